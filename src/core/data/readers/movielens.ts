/**
 * MovieLens files as they come. latest-small: `ratings.csv` (userId,movieId,rating,timestamp) and
 * `movies.csv` (movieId,title,genres). 100K: `u.data` (tab, no header), `u.user` and `u.item` (pipe,
 * no header, latin1). 1M/10M: `ratings.dat`, `movies.dat` (latin1) and `users.dat`, `::`-separated, no
 * header. Item tables gain two derived features: `genres` = the first genre (a categorical
 * feature; MovieLens lists genres alphabetically, so this is a stable choice, not the "main" genre) and
 * `year` = the release year (a continuous feature).
 */
import type { Cell } from './source';

export type MovieLensLayout = 'latest-ratings' | 'latest-movies' | '100k-data' | '100k-user' | '100k-item' | '1m-ratings' | '1m-movies' | '1m-users';

/** Interaction columns of each ratings layout, used when the experiment does not map them. */
export const MOVIELENS_RATING_COLUMNS = {
  'latest-ratings': { user: 'userId', item: 'movieId', rating: 'rating', timestamp: 'timestamp' },
  '100k-data': { user: 'user_id', item: 'item_id', rating: 'rating', timestamp: 'timestamp' },
  '1m-ratings': { user: 'user_id', item: 'item_id', rating: 'rating', timestamp: 'timestamp' },
} as const;

/** 1M/10M `ratings.dat`: UserID::MovieID::Rating::Timestamp. */
export const ML1M_RATINGS_HEADER = ['user_id', 'item_id', 'rating', 'timestamp'] as const;
/** 1M `users.dat`: UserID::Gender::Age::Occupation::Zip-code. */
export const ML1M_USERS_HEADER = ['user_id', 'gender', 'age', 'occupation', 'zip'] as const;
/** 1M/10M `movies.dat`: MovieID::Title::Genres, read like latest-small's movies.csv. */
export const ML1M_MOVIES_RAW_HEADER = ['item_id', 'title', 'genres'] as const;
export const ML1M_MOVIES_COLUMNS = ['item_id', 'title', 'genres', 'year'] as const;

export const ML100K_DATA_HEADER = ['user_id', 'item_id', 'rating', 'timestamp'] as const;
export const ML100K_USER_HEADER = ['user_id', 'age', 'gender', 'occupation', 'zip'] as const;
export const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const;
const ML100K_ITEM_RAW_WIDTH = 5 + ML100K_GENRES.length;
export const ML100K_ITEM_COLUMNS = ['item_id', 'title', 'release_date', 'year', 'genres'] as const;
export const ML_LATEST_MOVIES_COLUMNS = ['movieId', 'title', 'genres', 'year'] as const;

/** The layout of a MovieLens file, from its name. */
export function movieLensLayout(baseName: string, family: 'latest' | '100k' | '1m'): MovieLensLayout {
  if (family === '1m') return baseName === 'movies.dat' ? '1m-movies' : baseName === 'users.dat' ? '1m-users' : '1m-ratings';
  if (family === 'latest') return baseName === 'movies.csv' ? 'latest-movies' : 'latest-ratings';
  if (baseName === 'u.user') return '100k-user';
  if (baseName === 'u.item') return '100k-item';
  return '100k-data';
}

/** `Toy Story (1995)` → 1995; titles without a year give an empty cell (a missing value). */
export function yearFromTitle(title: string): Cell {
  const m = /\((\d{4})(?:[–-]\d{0,4})?\)\s*$/.exec(title);
  return m ? Number(m[1]) : '';
}

/** `Adventure|Animation|Children` → `Adventure`; `(no genres listed)` → '' (out of vocabulary). */
export function firstGenre(genres: string): string {
  const first = genres.split('|')[0].trim();
  return first === '(no genres listed)' ? '' : first;
}

export function deriveLatestMovie(record: readonly string[]): Cell[] {
  return [record[0], record[1], firstGenre(record[2]), yearFromTitle(record[1])];
}

/** u.item: id|title|release date|video release date|IMDb URL|19 genre flags. */
export function derive100kItem(record: readonly string[]): Cell[] {
  let genre = '';
  for (let g = 0; g < ML100K_GENRES.length; g++) {
    if (record[5 + g] === '1') {
      genre = ML100K_GENRES[g];
      break;
    }
  }
  const year = /(\d{4})\s*$/.exec(record[2] ?? '');
  return [record[0], record[1], record[2], year ? Number(year[1]) : '', genre];
}

/** Pseudo-header of u.item's raw fields (the file has none), used to check the field count. */
export const ML100K_ITEM_RAW_HEADER: readonly string[] = Array.from({ length: ML100K_ITEM_RAW_WIDTH }, (_, i) => `field${i + 1}`);
